// Postgres extensions our migrations use, loaded into every embedded PGlite (app, drift check, shadow DB).
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";

export const PGLITE_EXTENSIONS = { pg_trgm, unaccent };
