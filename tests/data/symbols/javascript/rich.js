// Definitions a JavaScript outline must show.
const _open = Symbol('open');
const LIMIT = 10;

class Door extends EventTarget {
  constructor(name) {
    super();
    this.name = name;
  }

  [_open]() {
    return true;
  }

  get size() {
    return 2;
  }

  static create(name) {
    return new Door(name);
  }

  #lock() {}
}

const handlers = {
  start() {},
  stop: function () {},
  pause: () => {},
  'quoted-key': function () {},
};

function outer(a) {
  function inner(b) {
    return a + b;
  }
  return inner;
}

function* ids() {
  yield 1;
}

const arrow = (x) => x * 2;
var legacy = function named() {};
let Klass = class Inner {
  method() {}
};

Door.prototype.knock = function () {};
module.exports.helper = function () {};

export default class {
  render() {}
}
