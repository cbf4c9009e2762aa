from django.utils.translation import gettext_lazy as _

from xietong.core.audit import register_actions

register_actions(
    {
        "org.person.update_contact": _("修改联系方式"),
        "org.person.create": _("新增人员"),
        "org.person.change": _("修改人员"),
        "org.person.delete": _("删除人员"),
        "org.department.create": _("新增部门"),
        "org.department.change": _("修改部门"),
        "org.department.delete": _("删除部门"),
        "org.project.create": _("新增项目"),
        "org.project.change": _("修改项目"),
        "org.project.delete": _("删除项目"),
        "org.project.member_add": _("部门负责人加入项目成员"),
        "core.apitoken.create": _("创建 API 令牌"),
        "core.apitoken.revoke": _("吊销 API 令牌"),
        "auth.login": _("登录"),
        "auth.logout": _("退出登录"),
        "auth.login_locked": _("登录被锁定"),
        "auth.sso_refused": _("第三方登录被拒绝"),
        "org.sync": _("通讯录同步"),
    }
)
