// Values the global setup hands to tests (inject) and to the workers pool options.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres:<token>@127.0.0.1:<port>/`: append a database name. */
    warehouseBaseUrl: string;
    /** Directory standing in for each R2 bucket on the warehouse side (remote loads). */
    r2Directories: Record<string, string>;
    /** `http://127.0.0.1:<port>/`: loopback HTTP server for fixtures (corpus files, fake Slack). */
    fixturesUrl: string;
    /** `http://127.0.0.1:<port>`: the Argilla stand-in, seeded with the maritime fixture; read it, do not change it. */
    argillaUrl: string;
    /** Its owner key. */
    argillaApiKey: string;
  }
}
