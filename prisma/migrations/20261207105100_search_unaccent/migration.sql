-- Find anything (#13 item 5): /crm search and contact find match names, titles and subjects across typos
-- (pg_trgm similarity) and accents (unaccent: "zoe" finds "Zoë"). Both extensions ship with PostgreSQL and
-- with PGlite (loaded by prisma/engine-shim/pglite-extensions.mjs).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is STABLE (its dictionary could change), so an index cannot use it. f_unaccent is the usual
-- IMMUTABLE wrapper: it names the dictionary and the function with their schema (wherever the extension was
-- installed), so it gives the same answer whatever the search_path of the session that uses it.
DO $$
DECLARE s text;
BEGIN
  SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent';
  EXECUTE format(
    'CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS %L',
    format('SELECT %I.unaccent(%L::regdictionary, $1)', s, quote_ident(s) || '.unaccent')
  );
END $$;

-- One trigram index per searchable text, on the form every search compares: lower case, no accents.
CREATE INDEX "Contact_search_trgm_idx" ON "Contact" USING GIN (f_unaccent(lower("name")) gin_trgm_ops);
CREATE INDEX "Company_search_trgm_idx" ON "Company" USING GIN (f_unaccent(lower("name")) gin_trgm_ops);
CREATE INDEX "Deal_search_trgm_idx" ON "Deal" USING GIN (f_unaccent(lower("title")) gin_trgm_ops);
CREATE INDEX "Ticket_search_trgm_idx" ON "Ticket" USING GIN (f_unaccent(lower("subject")) gin_trgm_ops);
