import React, { useState } from "react";

interface CounterProps {
  label: string;
  initial?: number;
}

// A button that counts its clicks.
export function Counter({ label, initial = 0 }: CounterProps) {
  const [count, setCount] = useState<number>(initial);
  const reset = () => setCount(initial);

  return (
    <div className="counter">
      <span>{label}: {count}</span>
      <button onClick={() => setCount(count + 1)}>+1</button>
      {count > 0 && <button onClick={reset}>reset</button>}
    </div>
  );
}

export default function App() {
  return <Counter label="Clicks" initial={2} />;
}
