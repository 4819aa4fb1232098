from __future__ import annotations

from functools import partial

from coso.audit.log import Actor
from coso.core.import_command import ImportCommand
from coso.members.imports import import_members


class Command(ImportCommand):
    help = (
        "Nhập đảng viên từ tệp .csv hoặc .xlsx có các cột member_id,card_no,full_name,gender,"
        "birth_date,branch,admitted_on,official_on và có thể thêm national_id,ethnicity,religion,"
        "hometown,residence,education,occupation,group,status,joined_on. Giới tính: nam/nữ "
        "(male/female). Trạng thái: dự bị, chính thức hoặc miễn sinh hoạt; để trống thì là chính "
        "thức nếu có ngày chính thức, ngược lại là dự bị. Ngày viết YYYY-MM-DD hoặc DD/MM/YYYY. "
        "Nếu có dòng nào sai thì không ghi gì cả và liệt kê mọi lỗi. / "
        "Import members from a .csv or .xlsx file with the columns above. If any row is wrong, "
        "nothing is written and every error is listed (exit status 1)."
    )
    importer = staticmethod(partial(import_members, actor=Actor.cli()))
