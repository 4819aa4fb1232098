"""The one audit vocabulary: one name per act, whichever front end (page, API, command line,
admin) it came through; the front end is the entry's channel, not part of the name.

Member and unit operations use the slugs of the operation catalogue (the pages' and the API's
URLs), so an entry, a URL and a permission check name an act the same way.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    WEB = "web", _("Trang web")
    API = "api", _("API")
    CLI = "cli", _("Dòng lệnh")
    ADMIN = "admin", _("Trang quản trị")


class AuditAction(models.TextChoices):
    # Member lifecycle (operation catalogue slugs).
    ADMIT = "admit", _("Kết nạp đảng viên")
    RECOGNIZE = "recognize", _("Công nhận đảng viên chính thức")
    REJECT_RECOGNITION = "reject_recognition", _("Không công nhận đảng viên chính thức")
    TRANSFER_OUT = "transfer_out", _("Chuyển sinh hoạt đi")
    RECEIVE = "receive", _("Tiếp nhận sinh hoạt")
    TRANSFER_OUT_OF_SYSTEM = "transfer_out_of_system", _("Chuyển ra ngoài hệ thống")
    TEMPORARY_START = "temporary_start", _("Chuyển sinh hoạt tạm thời")
    TEMPORARY_END = "temporary_end", _("Kết thúc sinh hoạt tạm thời")
    EXEMPT = "exempt", _("Miễn công tác và sinh hoạt")
    RETURN = "return", _("Trở lại sinh hoạt")
    STRIKE_OFF = "strike_off", _("Xóa tên")
    EXPEL = "expel", _("Khai trừ")
    LEAVE = "leave", _("Xin ra khỏi Đảng")
    DEATH = "death", _("Từ trần")
    READMIT = "readmit", _("Kết nạp lại")
    CHANGE_GROUP = "change_group", _("Chuyển tổ đảng")
    ASSIGN_POSITION = "assign_position", _("Giao chức vụ")
    END_POSITION = "end_position", _("Thôi giữ chức vụ")
    ADD_PARTICIPATION = "add_participation", _("Ghi tham gia sinh hoạt nơi khác")
    END_PARTICIPATION = "end_participation", _("Kết thúc tham gia sinh hoạt nơi khác")
    ADD_EXTERNAL_ROLE = "add_external_role", _("Ghi vai trò ngoài Đảng")
    END_EXTERNAL_ROLE = "end_external_role", _("Kết thúc vai trò ngoài Đảng")
    # Issue 13, point 1: corrections of a member's profile (the sensitive ones apart, below).
    CORRECT_MEMBER_RECORD = "correct_member_record", _("Đính chính lý lịch đảng viên")
    IMPORT_MEMBERS = "import_members", _("Nhập đảng viên từ tệp")
    # Organization tree (operation catalogue slugs).
    CREATE = "create", _("Thành lập đơn vị")
    RENAME = "rename", _("Đổi tên đơn vị")
    RETYPE = "retype", _("Đổi loại hình đơn vị")
    RETAG = "retag", _("Đổi phân loại đơn vị")
    MOVE = "move", _("Chuyển trực thuộc")
    MERGE = "merge", _("Sáp nhập đơn vị")
    DISSOLVE = "dissolve", _("Giải thể đơn vị")
    REORG_PLAN = "reorg_plan", _("Áp dụng phương án sắp xếp tổ chức")
    IMPORT_UNITS = "import_units", _("Nhập đơn vị từ tệp")
    # Proposals and decisions (the branch proposes, the competent committee decides).
    PROPOSAL_FILE = "proposal_file", _("Đã gửi đề nghị")
    PROPOSAL_REFILE = "proposal_refile", _("Đã gửi lại đề nghị")
    PROPOSAL_DECIDE = "proposal_decide", _("Quyết định về đề nghị")
    PROPOSAL_DOCUMENT = "proposal_document", _("Đính kèm tài liệu vào đề nghị")
    # Branch activities.
    MEETING_PLAN = "meeting_plan", _("Lên kế hoạch cuộc họp")
    MEETING_ATTENDANCE = "meeting_attendance", _("Ghi điểm danh")
    MEETING_CONSOLIDATE = "meeting_consolidate", _("Tổng hợp điểm danh các tổ đảng")
    MEETING_MINUTES = "meeting_minutes", _("Ghi biên bản")
    MEETING_RESOLUTION = "meeting_resolution", _("Ghi nghị quyết")
    MEETING_CLOSE = "meeting_close", _("Khóa sổ cuộc họp")
    MEETING_CANCEL = "meeting_cancel", _("Hủy cuộc họp")
    MEETING_AMEND = "meeting_amend", _("Đính chính cuộc họp đã khóa sổ")
    MEETING_DOCUMENT = "meeting_document", _("Đính kèm tài liệu cuộc họp")
    MEETING_CHECK_IN_OPEN = "meeting_check_in_open", _("Mở điểm danh trực tuyến")
    MEETING_CHECK_IN = "meeting_check_in", _("Tự điểm danh trực tuyến")
    MEETING_CHECK_IN_CONFIRM = "meeting_check_in_confirm", _("Xác nhận điểm danh trực tuyến")
    # Follow-through of directives from a higher level (coso.followup).
    DIRECTIVE_REGISTER = "directive_register", _("Đã đăng ký văn bản cấp trên")
    DIRECTIVE_ATTACH = "directive_attach", _("Đính kèm tệp vào văn bản cấp trên")
    DIRECTIVE_CASCADE = "directive_cascade", _("Đã triển khai văn bản xuống đơn vị")
    DIRECTIVE_STEP = "directive_step", _("Báo cáo bước thực hiện văn bản")
    LOCAL_TARGETS = "local_targets", _("Ghi chỉ tiêu của nghị quyết chi bộ")
    # Assessment and quality classification (coso.quality; the first three are governed acts).
    ASSESSMENT = "assessment", _("Quyết định kết quả đánh giá theo bộ tiêu chí")
    CLASSIFY_UNIT = "classify_unit", _("Xếp loại chất lượng tổ chức đảng")
    CLASSIFY_MEMBER = "classify_member", _("Xếp loại chất lượng đảng viên")
    CRITERIA_SAVE = "criteria_save", _("Lưu phiên bản bộ tiêu chí")
    ASSESSMENT_SAVE = "assessment_save", _("Ghi tự đánh giá theo bộ tiêu chí")
    ASSESSMENT_REVIEW = "assessment_review", _("Thẩm định kết quả tự đánh giá")
    MEMBER_REVIEW = "member_review", _("Ghi bản kiểm điểm của đảng viên")
    MEMBER_REVIEW_COMMENT = "member_review_comment", _("Ghi nhận xét của chi bộ")
    RESIDENCE_COMMENT = "residence_comment", _("Ghi nhận xét của chi bộ nơi cư trú")
    # Outreach: households, assignments, citizens' petitions (coso.outreach).
    HOUSEHOLD_REGISTER = "household_register", _("Đăng ký hộ gia đình")
    HOUSEHOLD_ASSIGN = "household_assign", _("Phân công đảng viên phụ trách hộ")
    HOUSEHOLD_VISIT = "household_visit", _("Ghi lần thăm hộ gia đình")
    ASSIGNMENT_CREATE = "assignment_create", _("Phân công cấp ủy viên theo dõi đơn vị")
    ASSIGNMENT_END = "assignment_end", _("Kết thúc phân công theo dõi")
    ASSIGNMENT_REPORT = "assignment_report", _("Báo cáo của cấp ủy viên được phân công")
    PETITION_RECEIVE = "petition_receive", _("Tiếp nhận đơn thư của công dân")
    PETITION_STEP = "petition_step", _("Ghi bước xử lý đơn thư")
    PETITION_ESCALATE = "petition_escalate", _("Chuyển đơn thư lên cấp trên")
    PETITION_LINK_CASE = "petition_link_case", _("Liên kết đơn thư với vụ việc vi phạm")
    PETITION_RESOLVE = "petition_resolve", _("Giải quyết xong đơn thư")
    # Violations, inspection and discipline (coso.oversight; the discipline forms are governed
    # acts, named by the authority rule set).
    CASE_OPEN = "case_open", _("Mở hồ sơ vụ việc vi phạm")
    CASE_FILE = "case_file", _("Đính kèm tệp vào hồ sơ vụ việc")
    CASE_CLOSE = "case_close", _("Kết thúc hồ sơ vụ việc không kỷ luật")
    INSPECTION_PLAN = "inspection_plan", _("Lập kế hoạch kiểm tra, giám sát")
    INSPECTION_RESULT = "inspection_result", _("Ghi kết quả kiểm tra, giám sát")
    REPRIMAND = "reprimand", _("Kỷ luật khiển trách đảng viên")
    WARNING = "warning", _("Kỷ luật cảnh cáo đảng viên")
    REMOVAL_FROM_POST = "removal_from_post", _("Kỷ luật cách chức")
    EXPULSION = "expulsion", _("Kỷ luật khai trừ")
    UNIT_REPRIMAND = "unit_reprimand", _("Kỷ luật khiển trách tổ chức đảng")
    UNIT_WARNING = "unit_warning", _("Kỷ luật cảnh cáo tổ chức đảng")
    UNIT_DISSOLUTION = "unit_dissolution", _("Kỷ luật giải tán tổ chức đảng")
    APPEAL_LODGE = "appeal_lodge", _("Ghi khiếu nại quyết định kỷ luật")
    APPEAL_DECIDE = "appeal_decide", _("Giải quyết khiếu nại kỷ luật")
    # Sensitive reads.
    VIEW_SENSITIVE = "view_sensitive", _("Xem thông tin nhạy cảm")
    # A correction touching a sensitive field (birth date, national ID, ethnicity, religion).
    CORRECT_MEMBER_SENSITIVE = "correct_member_sensitive", _("Đính chính thông tin nhạy cảm")
    # Accounts, roles and access.
    PASSWORD_SET = "password_set", _("Quản trị đặt mật khẩu")
    PASSWORD_CHANGE = "password_change", _("Tự đổi mật khẩu")
    # Issue 13: an officer gives a forgotten password a temporary one (changed at next login).
    PASSWORD_RESET = "password_reset", _("Cán bộ đặt lại mật khẩu")
    TOTP_ENROL = "totp_enrol", _("Đăng ký xác thực hai lớp")
    USER_ADD = "user_add", _("Tạo tài khoản")
    USER_CHANGE = "user_change", _("Sửa tài khoản")
    USER_DELETE = "user_delete", _("Xóa tài khoản")
    ROLE_ADD = "role_add", _("Giao vai trò")
    ROLE_CHANGE = "role_change", _("Sửa vai trò")
    ROLE_DELETE = "role_delete", _("Thu hồi vai trò")
    ACCOUNT_ADD = "account_add", _("Liên kết tài khoản với đảng viên")
    ACCOUNT_CHANGE = "account_change", _("Sửa liên kết tài khoản")
    ACCOUNT_DELETE = "account_delete", _("Bỏ liên kết tài khoản")
    SETTINGS_CHANGE = "settings_change", _("Đổi thiết lập hệ thống")
    TOKEN_CREATE = "token_create", _("Tạo mã truy cập API")
    TOKEN_CHANGE = "token_change", _("Sửa mã truy cập API")
    TOKEN_REVOKE = "token_revoke", _("Thu hồi mã truy cập API")
    TOKEN_DELETE = "token_delete", _("Xóa mã truy cập API")
    CALENDAR_TOKEN_CREATE = "calendar_token_create", _("Tạo địa chỉ lịch cá nhân")
    CALENDAR_TOKEN_REVOKE = "calendar_token_revoke", _("Thu hồi địa chỉ lịch cá nhân")


def _between(first: AuditAction, last: AuditAction) -> tuple[AuditAction, ...]:
    members = list(AuditAction)
    return tuple(members[members.index(first) : members.index(last) + 1])


# The filter of the audit page lists the actions under these headings, in this order.
ACTION_GROUPS: tuple[tuple[Promise, tuple[AuditAction, ...]], ...] = (
    (
        pgettext_lazy("audit group", "Đảng viên"),
        _between(AuditAction.ADMIT, AuditAction.IMPORT_MEMBERS),
    ),
    (_("Tổ chức"), _between(AuditAction.CREATE, AuditAction.IMPORT_UNITS)),
    (
        _("Đề nghị và quyết định"),
        _between(AuditAction.PROPOSAL_FILE, AuditAction.PROPOSAL_DOCUMENT),
    ),
    (
        _("Sinh hoạt chi bộ"),
        _between(AuditAction.MEETING_PLAN, AuditAction.MEETING_CHECK_IN_CONFIRM),
    ),
    (
        _("Thực hiện văn bản cấp trên"),
        _between(AuditAction.DIRECTIVE_REGISTER, AuditAction.LOCAL_TARGETS),
    ),
    (
        _("Đánh giá, xếp loại chất lượng"),
        _between(AuditAction.ASSESSMENT, AuditAction.RESIDENCE_COMMENT),
    ),
    (
        _("Dân vận, đơn thư"),
        _between(AuditAction.HOUSEHOLD_REGISTER, AuditAction.PETITION_RESOLVE),
    ),
    (
        _("Kiểm tra, giám sát, kỷ luật"),
        _between(AuditAction.CASE_OPEN, AuditAction.APPEAL_DECIDE),
    ),
    (
        _("Thông tin nhạy cảm"),
        _between(AuditAction.VIEW_SENSITIVE, AuditAction.CORRECT_MEMBER_SENSITIVE),
    ),
    (
        _("Tài khoản và quyền"),
        _between(AuditAction.PASSWORD_SET, AuditAction.CALENDAR_TOKEN_REVOKE),
    ),
)


def action_label(value: str) -> str:
    """The reader's words for an action; an unknown name (written by an older version) as is."""
    try:
        return str(AuditAction(value).label)
    except ValueError:
        return value
