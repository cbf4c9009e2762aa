"""`xietong designer export KEY [--format yaml] [--output FILE]` writes a definition's newest published
version (or its draft with --draft); `xietong designer import FILE --by USERNAME` publishes a .json or
.yaml definition as that person (refused with every reason when it could never finish);
`xietong designer library --by USERNAME [--group 制度模板|常用审批]` publishes the shipped library (or one of its
groups: the company documents' templates, the usual approvals), each line labelled with its group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Export or import a designed process definition (JSON or YAML)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export")
        export.add_argument("key")
        export.add_argument("--format", choices=["json", "yaml"], default="json")
        export.add_argument("--output", default="")
        export.add_argument("--draft", action="store_true")
        imported = sub.add_parser("import")
        imported.add_argument("file")
        imported.add_argument("--by", required=True, help="the publishing person's username")
        library = sub.add_parser("library")
        library.add_argument("--by", required=True)
        library.add_argument("--group", choices=["制度模板", "常用审批"], default="")

    def handle(self, *args: Any, **options: Any) -> None:
        from xietong.designer.models import ProcessDefinition
        from xietong.designer.services import definition_publish, export_text, import_text
        from xietong.org.models import Person

        if options["action"] == "export":
            definition = ProcessDefinition.objects.filter(key=options["key"]).first()
            if definition is None:
                raise CommandError(f"no definition {options['key']!r}")
            current = definition.current
            document = definition.draft if options["draft"] or current is None else current.document
            text = export_text(document, options["format"])
            if options["output"]:
                Path(options["output"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        person = Person.objects.filter(username=options["by"], is_active=True).first()
        if person is None:
            raise CommandError(f"no active person {options['by']!r}")
        if options["action"] == "import":
            documents = [("", import_text(Path(options["file"]).read_text(encoding="utf-8")))]
        else:
            from xietong.designer.library import library_groups

            documents = [
                (f"{label} · ", document)
                for label, group in library_groups().items()
                if options["group"] in ("", label)
                for document in group.values()
            ]
        for label, document in documents:
            try:
                version = definition_publish(actor=person, document=document)
            except ApplicationError as error:
                raise CommandError(str(error.message)) from error
            self.stdout.write(f"{label}{version.definition.key} v{version.n}")
