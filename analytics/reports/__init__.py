"""Reports for meetings and the reporting calendar: the Excel report pack in the layout of the
official tables (``workbook``), the slide deck (``deck``) and the charts as PNG images."""
