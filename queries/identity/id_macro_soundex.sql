-- American Soundex of a folded name (Robert, Rupert → r163): a blocking key that survives
-- misspellings. Letters map to digit classes; h and w after the first letter do not separate two
-- equal classes, vowels do; the first letter's own class suppresses a repeat right after it.
create or replace temp macro id_soundex(x) as case
  when x is null or x = '' then null
  else rpad(
    left(x, 1) || left(
      replace(
        substr(
          regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            translate(
              left(x, 1) || regexp_replace(substr(x, 2), '[hw]', '', 'g'),
              'bfpvcgjkqsxzdtlmnraeiouyhw',
              '11112222222233455600000000'
            ),
            '1+', '1', 'g'), '2+', '2', 'g'), '3+', '3', 'g'), '4+', '4', 'g'), '5+', '5', 'g'), '6+', '6', 'g'),
          2
        ),
        '0', ''
      ),
      3
    ),
    4, '0'
  )
end
