-- Every distinct (first, last, full, preferred) name of the input, parsed once: folded (case,
-- accents, punctuation), titles dropped, a Jr/Sr suffix kept apart as evidence, a full name filling
-- whatever first or last name is missing ("Smith, John" and "John Q de la Cruz Jr." both parse).
with

input as (
  select * from id_input
),

distinct_names as (
  select distinct first_name, last_name, full_name, preferred_name from input
),

tokens as (
  select
    *,
    list_filter(
      string_split(id_fold(first_name), ' '),
      t -> t <> '' and t not in ('mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev')
    ) as first_tokens,
    list_filter(string_split(id_fold(preferred_name), ' '), t -> t <> '') as preferred_tokens,
    list_transform(
      list_filter(string_split(id_fold(last_name), ' '), t -> t <> ''),
      t -> case t when 'senior' then 'sr' when 'junior' then 'jr' else t end
    ) as last_tokens,
    list_filter(
      string_split(
        id_fold(
          case
            when regexp_matches(full_name, ',\s*(jr|sr|ii|iii|iv)\.?\s*$', 'i') then replace(full_name, ',', ' ')
            when contains(full_name, ',') then split_part(full_name, ',', 2) || ' ' || split_part(full_name, ',', 1)
            else full_name
          end
        ),
        ' '
      ),
      t -> t <> '' and t not in ('mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev')
    ) as full_tokens0
  from distinct_names
),

-- Senior and Junior written out are the suffixes, after the first word (Junior alone may be a name).
suffixed as (
  select
    *,
    list_transform(
      full_tokens0,
      (t, i) -> case when i > 1 and t = 'senior' then 'sr' when i > 1 and t = 'junior' then 'jr' else t end
    ) as full_tokens
  from tokens
),

name_parts as (
  select
    *,
    list_filter(last_tokens, t -> t not in ('jr', 'sr', 'ii', 'iii', 'iv')) as last_core,
    list_filter(full_tokens, t -> t not in ('jr', 'sr', 'ii', 'iii', 'iv')) as full_core,
    coalesce(
      list_filter(last_tokens, t -> t in ('jr', 'sr', 'ii', 'iii', 'iv'))[-1],
      list_filter(full_tokens, t -> t in ('jr', 'sr', 'ii', 'iii', 'iv'))[-1]
    ) as suffix
  from suffixed
),

names as (
  select
    *,
    coalesce(first_tokens[1], full_core[1]) as fn,
    preferred_tokens[1] as pf,
    -- A first name of several words may be one name with a stray space (Jo hn): its words joined
    -- are another form it can take.
    case when len(first_tokens) > 1 then array_to_string(first_tokens, '') end as fn_joined,
    case
      when len(last_core) > 0 then array_to_string(last_core, '')
      when len(full_core) >= 2 then
        -- The surname is the last word, with any particles before it (de la Cruz, van Dyke).
        case
          when list_position(
            list_transform(full_core[2:len(full_core) - 1], t -> t in ('de', 'del', 'della', 'la', 'le', 'van', 'von', 'der', 'den', 'di', 'da', 'du', 'st', 'saint', 'mac', 'ben', 'bin', 'al', 'el')),
            true
          ) is not null
            then array_to_string(
              full_core[1 + list_position(
                list_transform(full_core[2:len(full_core) - 1], t -> t in ('de', 'del', 'della', 'la', 'le', 'van', 'von', 'der', 'den', 'di', 'da', 'du', 'st', 'saint', 'mac', 'ben', 'bin', 'al', 'el')),
                true
              ):],
              ''
            )
          else full_core[-1]
        end
    end as ln
  from name_parts
)

select first_name, last_name, full_name, preferred_name, fn, pf, fn_joined, ln, suffix from names
