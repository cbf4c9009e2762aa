from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "xietong.org"
    label = "org"
    verbose_name = _("组织架构")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.core.permissions import register_reach_source
        from xietong.org.reach import compute_reach

        register_reach_source(compute_reach)
        from xietong.org import audit_actions, workbench  # noqa: F401  (registers labels and sections)
        from xietong.org.demo import seed_demo_org

        register_demo_seeder("组织架构", seed_demo_org, order=10)
        from xietong.core.worker import register_sweep
        from xietong.org.scheduled_sync import org_sync_due

        register_sweep("org-sync", org_sync_due, order=70)
