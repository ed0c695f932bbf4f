"""File imports and exports: CSV and XLSX in, CSV and XLSX out.

- reading.py   opens a CSV or XLSX file as a header and a stream of rows
- kinds.py     the kinds of file Daybook reads and the columns each one maps
- importing.py the two phases: preview (everything checked, nothing kept) and commit (all or
               nothing), for entries, companies, members and tickets
- exports.py   entries for payroll and accounting, streamed
"""
