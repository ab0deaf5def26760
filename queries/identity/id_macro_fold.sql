-- Folds a name for matching: lower case, accents stripped, apostrophes, periods and hyphens dropped
-- (O'Neil → oneil, Jean-Luc → jeanluc, J.R. → jr), any other non-letter a single space.
create or replace temp macro id_fold(x) as nullif(
  trim(regexp_replace(regexp_replace(lower(strip_accents(x)), '[''’`.\-]', '', 'g'), '[^a-z]+', ' ', 'g')),
  ''
)
