from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceConfig(AppConfig):
    name = "xietong.acceptance"
    label = "acceptance"
    verbose_name = _("成果交付与验收")

    def ready(self) -> None:
        from xietong.acceptance.demo import seed_demo_acceptance
        from xietong.acceptance.panels import request_deliverables_panel
        from xietong.acceptance.process import DELIVERABLE
        from xietong.core.demo import register_demo_seeder
        from xietong.items.panels import register_panel
        from xietong.items.registry import register_process

        register_process(DELIVERABLE)

        from xietong.acceptance.retrospective import RETROSPECTIVE

        register_process(RETROSPECTIVE)

        from xietong.acceptance.request_gates import deliverable_before_delivery
        from xietong.items.registry import extend_step
        from xietong.requests.process import REQUEST

        extend_step(REQUEST, "deliver", check=deliverable_before_delivery)

        from xietong.acceptance.panels import result_confirmation_panel
        from xietong.acceptance.results import ISSUE, SEND_BACK, SIGN, all_signed_before_closing
        from xietong.items.registry import extend_process

        extend_process(REQUEST, ISSUE, SIGN, SEND_BACK)
        extend_step(REQUEST, "close", check=all_signed_before_closing)
        register_panel(
            "requests.request",
            "result_confirmation",
            "acceptance/_result_confirmation.html",
            result_confirmation_panel,
            order=11,
        )
        from xietong.acceptance.panels import retrospective_panel

        register_panel(
            "requests.request", "retrospective", "acceptance/_retrospective.html", retrospective_panel, order=12
        )
        register_demo_seeder("成果交付与验收", seed_demo_acceptance, order=32)
        register_panel(
            "requests.request", "deliverables", "acceptance/_request_panel.html", request_deliverables_panel, order=10
        )
