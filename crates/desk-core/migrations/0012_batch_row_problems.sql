-- 0012: why a batch row failed, as a code and its parameters (JSON of
-- desk_core::batch::RowProblem) the screens translate. `error` keeps the
-- English detail for the terminal and exports. Rows stored before have
-- NULL here, and the screens fall back to `error_code`.
ALTER TABLE link_batch_rows ADD COLUMN problem TEXT;
