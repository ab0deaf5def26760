-- The run in numbers: records, customers, households, ids created, merged and split at $now, and
-- emails rejected as invalid.
select
  (select count(*) from id_record_profiles)::bigint as records,
  (select count(distinct customer_id) from id_customer_records)::bigint as customers,
  (select count(distinct household_id) from id_customer_records)::bigint as households,
  (select count(*) from id_cluster_customers where is_new)::bigint as new_customers,
  (select count(*) from id_new_aliases)::bigint as merged,
  (select count(*) from id_customer_splits where split_at = $now::timestamptz)::bigint as splits,
  (select count(*) from id_record_profiles where email_norm is not null and not coalesce(email_valid, false))::bigint
    as rejected_emails
