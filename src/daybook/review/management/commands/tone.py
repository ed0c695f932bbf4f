"""`daybook tone train [--dry-run]` and `daybook tone check "message"`: retrain the follow-up
tone model from its corpus, or try the check on one message."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.review.tone import check_tone
from daybook.review.tone.corpus import CORPUS_PATH
from daybook.review.tone.model import MODEL_PATH, ModelUnavailable, load_model
from daybook.review.tone.train import train


class Command(BaseCommand):
    # Neither action touches the database or the URLs, so Django's system checks add only
    # start-up time.
    requires_system_checks: list[str] = []
    help = (
        "The tone check for follow-up messages. `train` refits the model on the corpus's "
        "train split, prints precision, recall and false alarms on its held-out test split and "
        "recall per form, and writes the model file. `check` prints what the check says about "
        "one message."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,check}")
        fit = actions.add_parser("train", help="Retrain from the corpus and print the metrics.")
        fit.add_argument("--corpus", type=Path, default=CORPUS_PATH, help="Labelled CSV.")
        fit.add_argument("--output", type=Path, default=MODEL_PATH, help="Model file to write.")
        fit.add_argument(
            "--dry-run", action="store_true", help="Train and measure, but write nothing."
        )
        check = actions.add_parser("check", help="Check one message.")
        check.add_argument("message", help="The message, in quotes.")

    def handle(self, *args, **options) -> None:
        if options["action"] == "train":
            self.handle_train(options["corpus"], None if options["dry_run"] else options["output"])
        else:
            self.handle_check(options["message"])

    def handle_train(self, corpus: Path, output: Path | None) -> None:
        try:
            _, metrics = train(corpus, output=output)
        except (OSError, ValueError) as error:
            raise CommandError(f"Could not train from {corpus}: {error}") from error
        for line in metrics.lines():
            self.stdout.write(line)
        if output is None:
            self.stdout.write("Dry run: no model file was written.")
        else:
            # The running process keeps the model it loaded; a new one reads the new file.
            load_model.cache_clear()
            size = output.stat().st_size / 1024
            self.stdout.write(f"Wrote {output} ({size:.0f} KiB).")

    # Not named `check`: BaseCommand.check runs Django's system checks.
    def handle_check(self, message: str) -> None:
        try:
            result = check_tone(message)
            threshold = load_model().threshold
        except ModelUnavailable as error:
            raise CommandError(str(error)) from error
        verdict = "reads as accusatory" if result.warnings else "reads as curious"
        self.stdout.write(f"score {result.score:.3f} (threshold {threshold:.3f}): {verdict}")
        for warning in result.warnings:
            self.stdout.write(f'- "{warning.quote}"')
            self.stdout.write(f"  why: {warning.why}")
            self.stdout.write(f"  instead: {warning.advice}")
        if result.suggestion:
            self.stdout.write(f"suggestion: {result.suggestion}")
