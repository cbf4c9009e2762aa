from django.apps import AppConfig


class ProbeConfig(AppConfig):
    """A minimal item that carries clocks, installed only in the test settings: it lets the clock engine
    be tested on its own, before and independently of the process apps that use it."""

    name = "xietong.clocks.tests.probe"
    label = "probe"

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.clocks.tests.probe.timers import probe_clock_due

        register_clock_handlers("probe.probe", due=probe_clock_due)
