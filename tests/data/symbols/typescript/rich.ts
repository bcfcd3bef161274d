// Definitions a TypeScript outline must show.
export interface Shape {
  area(): number;
  readonly name: string;
}

type Id = string | number;
export type Mapper<T, U> = (value: T) => U;

enum Color {
  Red,
  Green = 'green',
}

const enum Flags { A = 1 }

declare function external(x: number): void;

export abstract class Base<T> implements Shape {
  readonly name = 'base';
  constructor(protected value: T) {}
  abstract area(): number;
  protected helper = (n: number): number => n * 2;
  static of<T>(value: T): Wrapper<T> {
    return new Wrapper(value);
  }
}

class Wrapper<T> extends Base<T> {
  area(): number {
    return 1;
  }
  @logged
  decorated(): void {}
}

namespace Geometry {
  export function distance(a: number, b: number): number {
    return Math.abs(a - b);
  }
}

declare module 'ambient' {
  export function loaded(): boolean;
}

function overloaded(x: string): string;
function overloaded(x: number): number;
function overloaded(x: any) {
  return x;
}

const compute = async (n: number): Promise<number> => n;
