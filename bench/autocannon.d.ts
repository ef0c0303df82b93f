// The subset of autocannon 8 that bench/risk-graphql.ts uses (the package ships no types, and
// @types/autocannon would be one more dependency for two calls).
declare module "autocannon" {
  type Options = {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
  };
  type Result = {
    requests: { total: number; average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  type Instance = PromiseLike<Result> & {
    on(
      event: "response",
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): void;
  };
  export default function autocannon(options: Options): Instance;
}
