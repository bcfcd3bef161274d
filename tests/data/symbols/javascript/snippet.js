import { readFile } from "node:fs/promises";
import path from "node:path";

const DEFAULT_LIMIT = 10;

// Parses a CSV line into fields, honouring simple quotes.
function parseLine(line) {
  return line.split(",").map((field) => field.replace(/^"|"$/g, "").trim());
}

export class CsvReader {
  constructor(file, { limit = DEFAULT_LIMIT } = {}) {
    this.file = path.resolve(file);
    this.limit = limit;
  }

  async rows() {
    const text = await readFile(this.file, "utf8");
    const lines = text.split("\n").filter(Boolean);
    return lines.slice(0, this.limit).map(parseLine);
  }
}

const reader = new CsvReader("data.csv", { limit: 5 });
reader.rows().then((rows) => {
  for (const row of rows) {
    console.log(row.join(" | "));
  }
}).catch((err) => console.error(`failed: ${err.message}`));
