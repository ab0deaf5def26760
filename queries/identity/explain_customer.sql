-- One customer's golden record (core/customer_master).
select * from customer_master where customer_id = $customer_id
