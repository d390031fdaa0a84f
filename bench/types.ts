export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: number;
  /** `max`: lower is better and `target` is the most allowed; `min`: higher is better. */
  direction: 'max' | 'min';
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<BenchResult[]>;
}
