-- List filers (role AGENT: the e-commerce enterprise or its customs agent, four-document mode)
-- have returns too: the receipts of the lists they filed.

ALTER TABLE ceb_return_counter DROP CONSTRAINT ceb_return_counter_role_check;
ALTER TABLE ceb_return_counter
  ADD CONSTRAINT ceb_return_counter_role_check CHECK (role IN ('PLATFORM', 'PAYER', 'CARRIER', 'AGENT'));

ALTER TABLE ceb_return DROP CONSTRAINT ceb_return_role_check;
ALTER TABLE ceb_return
  ADD CONSTRAINT ceb_return_role_check CHECK (role IN ('PLATFORM', 'PAYER', 'CARRIER', 'AGENT'));
