"""Settings: grouped by the package they configure, read from the published flat
``CODVID_*`` names, and a misconfiguration is one line and exit code 2 at start."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codvid.config import load_settings, unknown_variables, variable_names
from codvid.errors import ConfigurationError
from tests.server import CODVID

# Every published variable, a value that is not its default, and where it lands.
PUBLISHED: list[tuple[str, str, str, Any]] = [
    ("CODVID_DATA_DIR", "/tmp/elsewhere", "storage.data_dir", Path("/tmp/elsewhere")),
    ("CODVID_DATABASE_URL", "sqlite:///x.db", "storage.database_url", "sqlite:///x.db"),
    ("CODVID_STORAGE_BUSY_TIMEOUT", "2.5", "storage.busy_timeout", 2.5),
    ("CODVID_HOST", "0.0.0.0", "http.host", "0.0.0.0"),
    ("CODVID_PORT", "9001", "http.port", 9001),
    ("CODVID_LOG_LEVEL", "debug", "http.log_level", "debug"),
    ("CODVID_CORS_ORIGINS", '["https://a.example"]', "http.cors_origins", ["https://a.example"]),
    ("CODVID_MAX_BODY_BYTES", "4096", "http.max_body_bytes", 4096),
    ("CODVID_REQUEST_HEAD_TIMEOUT", "3", "http.request_head_timeout", 3.0),
    ("CODVID_JWT_LIFETIME_DAYS", "2", "auth.jwt_lifetime_days", 2.0),
    ("CODVID_MIN_PASSWORD_LENGTH", "12", "auth.min_password_length", 12),
    ("CODVID_LOGIN_RATE_PER_EMAIL", "5/minute", "auth.login_rate_per_email", "5/minute"),
    ("CODVID_LOGIN_RATE_PER_CLIENT", "7/minute", "auth.login_rate_per_client", "7/minute"),
    ("CODVID_SIGNUP_RATE_PER_CLIENT", "9/hour", "auth.signup_rate_per_client", "9/hour"),
    (
        "CODVID_LOGIN_RATE_PER_EMAIL_CLIENT",
        "3/minute",
        "auth.login_rate_per_email_client",
        "3/minute",
    ),
    ("CODVID_LOOKUP_RATE_PER_CLIENT", "8/minute", "auth.lookup_rate_per_client", "8/minute"),
    ("CODVID_PASSWORD_HASH_CONCURRENCY", "4", "auth.password_hash_concurrency", 4),
    ("CODVID_BROKER_URL", "memory://", "jobs.broker_url", "memory://"),
    ("CODVID_BROKER_QUEUE", "team-a.jobs", "jobs.broker_queue", "team-a.jobs"),
    ("CODVID_BROKER_MAX_QUEUED", "5000", "jobs.broker_max_queued", 5000),
    ("CODVID_BROKER_DELIVERY_LIMIT", "3", "jobs.delivery_limit", 3),
    ("CODVID_JOB_CONCURRENCY", "3", "jobs.concurrency", 3),
    ("CODVID_HEARTBEAT_INTERVAL", "1", "jobs.heartbeat_interval", 1.0),
    ("CODVID_STALE_AFTER", "30", "jobs.stale_after", 30.0),
    ("CODVID_SWEEPER_INTERVAL", "7", "jobs.sweeper_interval", 7.0),
    ("CODVID_SCHEDULER_ENABLED", "false", "jobs.scheduler_enabled", False),
    ("CODVID_SCHEDULER_INTERVAL", "60", "jobs.scheduler_interval", 60.0),
    ("CODVID_SCHEDULER_BATCH", "10", "jobs.scheduler_batch", 10),
    ("CODVID_FAILURE_BACKOFF", "120", "jobs.failure_backoff", 120.0),
    ("CODVID_SHUTDOWN_GRACE", "3", "jobs.shutdown_grace", 3.0),
    ("CODVID_SCRAPER_PROVIDER", "demo", "scraping.provider", "demo"),
    ("CODVID_SCRAPER_STEP_DELAY", "0.25", "scraping.step_delay", 0.25),
    ("CODVID_SCRAPE_TIMEOUT", "30", "scraping.timeout", 30.0),
    ("CODVID_SCRAPE_MAX_POSTS", "5", "scraping.max_posts", 5),
    ("CODVID_SCRAPE_MAX_COMMENTS", "3", "scraping.max_comments", 3),
    ("CODVID_SCRAPE_BATCH_SIZE", "7", "scraping.batch_size", 7),
    ("CODVID_SCRAPE_BATCH_WINDOW", "0.5", "scraping.batch_window", 0.5),
    ("CODVID_SCRAPE_COMMENT_REFRESH_CHANGE", "0.5", "scraping.comment_refresh_change", 0.5),
    ("CODVID_SCRAPE_RAW_MAX_BYTES", "4096", "scraping.raw_max_bytes", 4096),
    ("CODVID_RAW_PAYLOAD_RETENTION_DAYS", "7", "scraping.raw_retention_days", 7.0),
    ("CODVID_SNAPSHOT_COMPACT_AFTER_DAYS", "0", "scraping.snapshot_compact_after_days", 0.0),
    ("CODVID_SCRAPER_RATE_LIMIT", "5/minute", "scraping.rate_limit", "5/minute"),
    ("CODVID_SCRAPER_RETRIES", "2", "scraping.retries", 2),
    ("CODVID_SCRAPER_RETRY_WAIT", "0.5", "scraping.retry_wait", 0.5),
    ("CODVID_SCRAPE_BUDGET_USD_PER_USER_MONTH", "5", "scraping.budget_usd_per_user_month", 5.0),
    ("CODVID_SCRAPE_BUDGET_USD_MONTH", "50", "scraping.budget_usd_month", 50.0),
    (
        "CODVID_REDIS_URL",
        "redis://127.0.0.1:6379/1",
        "counters.redis_url",
        "redis://127.0.0.1:6379/1",
    ),
    ("CODVID_APIFY_API_URL", "http://127.0.0.1:1", "apify.api_url", "http://127.0.0.1:1"),
    ("CODVID_APIFY_PROFILE_ACTOR", "me/profiles", "apify.profile_actor", "me/profiles"),
    ("CODVID_APIFY_REEL_ACTOR", "me/reels", "apify.reel_actor", "me/reels"),
    ("CODVID_APIFY_COMMENT_ACTOR", "me/comments", "apify.comment_actor", "me/comments"),
    ("CODVID_APIFY_MAX_CHARGE_USD", "0.25", "apify.max_charge_usd", 0.25),
    ("CODVID_GRAPH_IG_USER_ID", "1784", "graph.ig_user_id", "1784"),
    ("CODVID_GRAPH_API_URL", "http://127.0.0.1:2", "graph.api_url", "http://127.0.0.1:2"),
    ("CODVID_GRAPH_API_VERSION", "v26.0", "graph.api_version", "v26.0"),
    ("CODVID_INSTALOADER_SESSION_FILE", "/tmp/s", "instaloader.session_file", Path("/tmp/s")),
    ("CODVID_INSTALOADER_USERNAME", "me", "instaloader.username", "me"),
    ("CODVID_AI_PROVIDER", "openai", "ai.provider", "openai"),
    ("CODVID_AI_BASE_URL", "http://localhost:1/v1", "ai.base_url", "http://localhost:1/v1"),
    ("CODVID_AI_MODEL", "local", "ai.model", "local"),
    ("CODVID_AI_TIMEOUT", "5", "ai.timeout", 5.0),
    ("CODVID_AI_MAX_ITERATIONS", "2", "ai.max_iterations", 2),
    ("CODVID_AI_MAX_MESSAGE_CHARS", "100", "ai.max_message_chars", 100),
    ("CODVID_WEBHOOK_ALLOW_PRIVATE", "true", "alerts.allow_private", True),
    ("CODVID_WEBHOOK_RETRY_SCHEDULE", "1,2.5", "alerts.retry_schedule", (1.0, 2.5)),
    ("CODVID_WEBHOOK_TIMEOUT", "3", "alerts.timeout", 3.0),
    ("CODVID_WEBHOOK_CONCURRENCY", "2", "alerts.concurrency", 2),
    ("CODVID_WEBHOOK_POLL_INTERVAL", "0.5", "alerts.poll_interval", 0.5),
    ("CODVID_WEBHOOK_MAX_PER_USER", "3", "alerts.max_per_user", 3),
    ("CODVID_WEBHOOK_DELIVERIES_KEPT", "50", "alerts.deliveries_kept", 50),
]


@pytest.mark.parametrize(("variable", "raw", "where", "expected"), PUBLISHED)
def test_every_published_name_still_works(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, where: str, expected: Any
) -> None:
    monkeypatch.setenv(variable, raw)
    group, field = where.split(".")
    assert getattr(getattr(load_settings(), group), field) == expected


def test_secrets_are_read_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODVID_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("CODVID_AI_API_KEY", "sk-secret-key")
    monkeypatch.setenv("CODVID_APIFY_TOKEN", "apify_api_secret")
    monkeypatch.setenv("CODVID_GRAPH_ACCESS_TOKEN", "EAAG-secret")
    settings = load_settings()
    for group in (settings.apify, settings.graph):
        assert "secret" not in repr(group)
    assert settings.auth.jwt_secret is not None
    assert settings.auth.jwt_secret.get_secret_value() == "s" * 40
    assert settings.ai.api_key is not None
    assert settings.ai.api_key.get_secret_value() == "sk-secret-key"
    assert "sk-secret-key" not in repr(settings) and "s" * 40 not in repr(settings)


def test_overrides_win_and_are_named_like_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODVID_SCRAPE_TIMEOUT", "30")
    assert load_settings(scrape_timeout=5).scraping.timeout == 5
    with pytest.raises(ConfigurationError, match=r"^unknown setting CODVID_NOPE$"):
        load_settings(nope=1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"port": "x"}, "invalid setting CODVID_PORT: must be an integer"),
        ({"scraper_provider": "nope"}, "invalid setting CODVID_SCRAPER_PROVIDER: unknown scraper"),
        ({"ai_provider": "gpt"}, "invalid setting CODVID_AI_PROVIDER: unknown model provider"),
        ({"jwt_secret": "short"}, "invalid setting CODVID_JWT_SECRET: must be at least 32"),
        ({"login_rate_per_email": "often"}, "invalid setting CODVID_LOGIN_RATE_PER_EMAIL: must be"),
        ({"database_url": "postgres://x"}, "invalid setting CODVID_DATABASE_URL: must start"),
        ({"stale_after": 3}, "invalid settings: CODVID_STALE_AFTER must be more than twice"),
    ],
)
def test_a_bad_setting_is_one_readable_line(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(**overrides)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "CODVID_SCRAPER_PROVIDER",
            "apify2",
            "codvid: invalid setting CODVID_SCRAPER_PROVIDER: "
            "unknown scraper provider 'apify2'; known: apify, demo, graph, instaloader",
        ),
        (
            "CODVID_AI_PROVIDER",
            "gpt",
            "codvid: invalid setting CODVID_AI_PROVIDER: "
            "unknown model provider 'gpt'; known: offline, openai",
        ),
    ],
)
def test_the_command_stops_with_exit_code_2_and_one_line(
    tmp_path: Path, variable: str, value: str, line: str
) -> None:
    env = {"PATH": "/usr/bin:/bin", "CODVID_DATA_DIR": str(tmp_path), variable: value}
    done = subprocess.run(
        [str(CODVID), "serve", "--port", "9"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [line]
    assert not (tmp_path / "codvid.sqlite3").exists(), "nothing starts on a bad setting"


def run_serve(tmp_path: Path, env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CODVID), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={"PATH": "/usr/bin:/bin", "CODVID_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"CODVID_LOG_LEVEL": "verbose"}, "invalid setting CODVID_LOG_LEVEL: must be 'debug', "),
        ({"CODVID_BROKER_URL": "kafka://localhost"}, "invalid setting CODVID_BROKER_URL: must be"),
        ({"CODVID_CORS_ORIGINS": "[not json"}, "invalid setting CODVID_CORS_ORIGINS: must be"),
    ],
)
def test_bad_settings_are_one_line_and_exit_code_2(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    done = run_serve(tmp_path, env, 9)
    assert done.returncode == 2
    (only,) = done.stderr.splitlines()
    assert only.startswith("codvid: " + line)
    assert done.stdout == ""


def test_a_port_in_use_is_one_line_and_no_banner(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_serve(tmp_path, {"CODVID_PROT": "8081"}, port)
    assert done.returncode == 2
    assert done.stdout == "", "the banner was printed before the port was bound"
    assert done.stderr.splitlines() == [
        "codvid: warning: CODVID_PROT is not a setting and is ignored; did you mean CODVID_PORT?",
        f"codvid: cannot listen on 127.0.0.1:{port}: Address already in use",
    ]


def test_origins_may_be_separated_by_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODVID_CORS_ORIGINS", "https://a.example, https://b.example")
    assert load_settings().http.cors_origins == ["https://a.example", "https://b.example"]


def test_unknown_variables_are_named_with_the_closest_setting() -> None:
    environ = {"CODVID_PROT": "1", "CODVID_PORT": "1", "CODVID_SCRAPER_STEPDELAY": "0", "HOME": "/"}
    assert unknown_variables(environ) == [
        "CODVID_PROT is not a setting and is ignored; did you mean CODVID_PORT?",
        "CODVID_SCRAPER_STEPDELAY is not a setting and is ignored; "
        "did you mean CODVID_SCRAPER_STEP_DELAY?",
    ]


def test_the_example_file_lists_every_setting_and_only_settings() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    listed = set(re.findall(r"^# (CODVID_[A-Z_]+)=", example, flags=re.MULTILINE))
    assert listed == variable_names()
    secrets = {
        "CODVID_JWT_SECRET",
        "CODVID_AI_API_KEY",
        "CODVID_APIFY_TOKEN",
        "CODVID_GRAPH_ACCESS_TOKEN",
    }
    published = {variable for variable, *_ in PUBLISHED} | secrets
    assert published == variable_names(), "a setting is missing from PUBLISHED above"


@pytest.mark.parametrize(
    ("overrides", "needs"),
    [
        ({"graph_ig_user_id": "1784"}, "CODVID_GRAPH_ACCESS_TOKEN"),
        ({"graph_access_token": "EAAG-x"}, "CODVID_GRAPH_IG_USER_ID"),
        ({"instaloader_session_file": "/tmp/session"}, "CODVID_INSTALOADER_USERNAME"),
    ],
)
def test_a_chosen_provider_without_its_credentials_is_one_line(overrides: dict, needs: str) -> None:
    provider = next(iter(overrides)).split("_")[0]
    settings = {"scraper_provider": provider, **overrides}
    with pytest.raises(ConfigurationError) as raised:
        load_settings(**settings)
    assert str(raised.value) == f"invalid setting CODVID_SCRAPER_PROVIDER: {provider} needs {needs}"
