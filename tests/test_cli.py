"""The joinedup command line, run as a user runs it (in-process, through Typer)."""

from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.db import make_engine
from joinedup.db.migrate import current_revision

runner = CliRunner()


def test_init_creates_the_data_directory_key_and_schema(settings):
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert settings.secret_key_path.exists()
    assert current_revision(make_engine(settings.database_url)) is not None
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0, again.output


def test_ingest_needs_exactly_one_mapping(settings, tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("a\n1\n")
    result = runner.invoke(app, ["ingest", str(extract)])
    assert result.exit_code != 0
    assert "exactly one of --source NAME or --mapping FILE" in result.output
