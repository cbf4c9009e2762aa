from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItemsConfig(AppConfig):
    name = "xietong.items"
    label = "items"
    verbose_name = _("事项通用")

    def ready(self) -> None:
        from xietong.clocks.defaults import register_policy_source
        from xietong.core.audit import register_actions
        from xietong.items.policies import declared_limits

        register_policy_source(declared_limits)
        from xietong.clocks.models import register_limit_labels, register_process_labels
        from xietong.core.workbench import register_section
        from xietong.items.replies import my_replies, reply_policies

        register_policy_source(reply_policies)
        register_limit_labels({"reply": _("答复")})
        register_process_labels({"message": _("消息响应")})
        register_section("replies", my_replies, order=5)
        from django.db.models.signals import pre_save

        from xietong.items.plain_wording import check_on_creation

        pre_save.connect(check_on_creation, dispatch_uid="items-plain-wording")
        from xietong.items.handover import still_answers_for
        from xietong.org.services import register_deactivation_check

        register_deactivation_check(still_answers_for)

        from xietong.items.handover import person_hand_over
        from xietong.org.sync import register_departure_handler

        # Org sync deactivates a person who left the platform only through the hand-over.
        register_departure_handler(
            lambda actor, person, successor: person_hand_over(actor=actor, person=person, successor=successor)
        )

        from django.db.models.signals import post_migrate

        from xietong.items.numbering import forget_orphan_sequences

        post_migrate.connect(forget_orphan_sequences, sender=self, dispatch_uid="items-number-sequences")

        from xietong.items.cards import card_content
        from xietong.notify.cards import register_card_builder

        register_card_builder(card_content)

        register_actions(
            {
                "items.comment.add": _("发表评论"),
                "items.attachment.add": _("上传附件"),
                "items.attachment.download": _("下载附件"),
            }
        )
