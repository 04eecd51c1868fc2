-- Imports: who rolled a batch back and when; a quick look-up of a file already imported;
-- the importer's safety bounds as settings (administrators may change them).
ALTER TABLE import_batch ADD COLUMN rolled_back_at TIMESTAMP;
ALTER TABLE import_batch ADD COLUMN rolled_back_by VARCHAR;
CREATE INDEX import_batch_sha256 ON import_batch (sha256);
INSERT INTO setting VALUES
  ('import_max_inflated_mb', '1000', 'Dung lượng tối đa sau khi giải nén một tệp xlsx/ods (MB)',
   'Largest uncompressed size of an xlsx/ods archive (MB)', 'Quy ước của phần mềm (chống tệp nén độc hại); chỉnh được'),
  ('import_max_compression_ratio', '200', 'Tỷ lệ nén tối đa của tệp xlsx/ods',
   'Largest compression ratio of an xlsx/ods archive', 'Quy ước của phần mềm (chống tệp nén độc hại); chỉnh được'),
  ('import_income_thousands_below', '50000', 'Thu nhập bình quân dưới mức này (đồng/người/tháng) bị cảnh báo là có thể ghi theo nghìn đồng',
   'Incomes below this (VND per person per month) are flagged as perhaps written in thousands', 'Quy ước của phần mềm; chỉnh được'),
  ('import_max_members', '50', 'Số nhân khẩu lớn nhất chấp nhận được của một hộ',
   'Largest number of members accepted for one household', 'Quy ước của phần mềm; chỉnh được')
ON CONFLICT (key) DO NOTHING;
