/** The part of d3-dsv the tests use (the package ships no types); the pages use its UMD build. */
declare module 'd3-dsv' {
  export function csvParse(text: string): Record<string, string>[] & { columns: string[] };
}
