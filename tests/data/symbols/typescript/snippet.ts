import { EventEmitter } from "events";

export interface Task {
  id: number;
  title: string;
  done: boolean;
}

type Filter = "all" | "open" | "done";

export class TaskList extends EventEmitter {
  private tasks: Task[] = [];
  private nextId = 1;

  add(title: string): Task {
    const task: Task = { id: this.nextId++, title, done: false };
    this.tasks.push(task);
    this.emit("added", task);
    return task;
  }

  list(filter: Filter = "all"): Task[] {
    switch (filter) {
      case "open":
        return this.tasks.filter((t) => !t.done);
      case "done":
        return this.tasks.filter((t) => t.done);
      default:
        return [...this.tasks];
    }
  }
}

const list = new TaskList();
list.add("write tests");
console.log(list.list("open").length);
