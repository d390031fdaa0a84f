/** Maps camelCase field names to snake_case columns so library-owned tables follow the project's naming. */
export function snakeFields<K extends string>(fields: readonly K[]): Record<K, string> {
  return Object.fromEntries(fields.map((f) => [f, f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)])) as Record<K, string>;
}
