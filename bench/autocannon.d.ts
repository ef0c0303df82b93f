// The subset of autocannon 8 that bench/risk-graphql.ts and bench/api-load.ts use (the package ships no types, and
// @types/autocannon would be one more dependency for two calls).
declare module "autocannon" {
  type Options = {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    /** Called with each response body; a falsy return counts the response in `mismatches`. */
    verifyBody?: (body: string) => boolean;
  };
  type Result = {
    requests: { total: number; average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    mismatches: number;
  };
  type Instance = PromiseLike<Result> & {
    on(
      event: "response",
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): void;
  };
  export default function autocannon(options: Options): Instance;
}
