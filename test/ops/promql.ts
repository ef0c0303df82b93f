/**
 * Metric names referenced by a PromQL expression. A tokenizer, not a regex over the text: it skips
 * strings, label matchers `{...}`, range/subquery brackets `[...]`, label lists after by/without/on/
 * ignoring/group_left/group_right, function and aggregation names, keywords, numbers and durations.
 */
const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
]);
const LABEL_LIST = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"]);

function skipQuoted(text: string, start: number): number {
  const quote = text[start]!;
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === "\\" && quote !== "`" ? 2 : 1;
  return i + 1;
}

function skipBalanced(text: string, start: number, open: string, close: string): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipQuoted(text, i);
      continue;
    }
    if (c === open) depth++;
    if (c === close && --depth === 0) return i + 1;
    i++;
  }
  throw new SyntaxError(`unbalanced ${open} in ${text}`);
}

/**
 * @example
 * metricNames('sum by (le) (rate(x_bucket{job="a"}[5m])) / on (le) y'); // Set { "x_bucket", "y" }
 */
export function metricNames(expr: string): Set<string> {
  const names = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipQuoted(expr, i);
    } else if (c === "{") {
      i = skipBalanced(expr, i, "{", "}");
    } else if (c === "[") {
      i = skipBalanced(expr, i, "[", "]");
    } else if (/[0-9.]/.test(c)) {
      // Numbers, hex, exponents and durations (5m, 1h30m).
      i++;
      while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i]!)) i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[a-zA-Z0-9_:]/.test(expr[i]!)) i++;
      const word = expr.slice(start, i);
      let j = i;
      while (j < expr.length && /\s/.test(expr[j]!)) j++;
      const lower = word.toLowerCase();
      if (LABEL_LIST.has(lower)) {
        if (expr[j] === "(") i = skipBalanced(expr, j, "(", ")");
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || expr[j] === "(") {
        // Function, aggregation or operator keyword: its arguments are scanned as usual.
      } else {
        names.add(word);
      }
    } else {
      i++;
    }
  }
  return names;
}

/** Metric names of a Prometheus text exposition: every `# TYPE` family and every sample name. */
export function exportedNames(exposition: string): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>();
  const histograms = new Set<string>();
  for (const line of exposition.split("\n")) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      names.add(type[1]!);
      if (type[2] === "histogram" || type[2] === "summary") histograms.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return { names, histograms };
}

/** Series Prometheus makes itself for every target, not exported by any service. */
export const SYNTHETIC = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);

/** Whether `name` is served: directly, or as a histogram's/summary's _bucket/_sum/_count. */
export function isExported(name: string, exported: { names: Set<string>; histograms: Set<string> }): boolean {
  if (SYNTHETIC.has(name) || exported.names.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && exported.histograms.has(base);
}
