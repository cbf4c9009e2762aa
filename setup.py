"""Build step pyproject.toml cannot declare: the wheel carries compiled translations.

`*.mo` files are build outputs (not in git); building the package compiles every locale/*/LC_MESSAGES/*.po
into the build tree with polib (pure Python, no gettext tools), so an installed wheel speaks English without
a `compile_translations` step. Source checkouts compile them with `xietong compile_translations`.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTranslations(build_py):
    def run(self):
        super().run()
        import polib

        for po_path in Path("xietong", "locale").glob("*/LC_MESSAGES/*.po"):
            target = Path(self.build_lib) / po_path.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            polib.pofile(str(po_path)).save_as_mofile(str(target))


setup(cmdclass={"build_py": BuildWithTranslations})
