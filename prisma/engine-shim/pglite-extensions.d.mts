export declare const PGLITE_EXTENSIONS: { pg_trgm: import("@electric-sql/pglite").Extension };
