/** The package ships no types; prometheus-text.ts is its only user and checks what it returns. */
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusText(text: string): unknown[];
}
