-- Execution reports split their lines into investment and recurrent capital (I. Vốn đầu tư phát
-- triển / II. Vốn sự nghiệp): the disbursed rows keep the capital type as the plan rows do.
ALTER TABLE disbursement ADD COLUMN capital_type VARCHAR;
DROP VIEW disbursement_current;
CREATE VIEW disbursement_current AS SELECT * FROM disbursement WHERE superseded_by IS NULL;
