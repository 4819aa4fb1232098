from __future__ import annotations

from functools import partial

from coso.audit.log import Actor
from coso.core.import_command import ImportCommand
from coso.units.imports import import_units


class Command(ImportCommand):
    help = (
        "Nhập các đơn vị (tổ chức đảng) từ tệp .csv hoặc .xlsx có các cột "
        "code,name,kind,parent,valid_from,category. Để trống parent cho đơn vị gốc; các phân loại "
        "trong category cách nhau bằng dấu ;. Ngày viết YYYY-MM-DD hoặc DD/MM/YYYY. "
        "Nếu có dòng nào sai thì không ghi gì cả và liệt kê mọi lỗi. / "
        "Import units from a .csv or .xlsx file with the columns above. If any row is wrong, "
        "nothing is written and every error is listed (exit status 1)."
    )
    importer = staticmethod(partial(import_units, actor=Actor.cli()))
