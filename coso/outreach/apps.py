from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "coso.outreach"
    label = "outreach"
    verbose_name = "Dân vận: hộ gia đình, phân công theo dõi, đơn thư của công dân"
