"""The data-flow map: partners on a circle, an arrow from each provider to each recipient
for the purposes of the live agreements (:func:`joinedup.sharing.flows.data_flows`), drawn
on the server as SVG geometry, with every flow listed in a table below it."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.partners.directory import organisation_names
from joinedup.sharing.agreements import agreement_titles, category_names, purpose_names
from joinedup.sharing.flows import Flow, data_flows
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Text
from joinedup.web.sharing.views import base, gate

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    x1: float
    y1: float
    x2: float
    y2: float
    both: bool
    label: str
    label_x: float
    label_y: float
    label_width: float
    title: str


@dataclass(frozen=True)
class FlowMap:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    legend: list[tuple[int, str]]
    node_height: int = 34


def flow_map(flows: list[Flow], names: dict[str, str], purpose_names: dict[str, str]) -> FlowMap:
    """Partners on a circle, an arrow from each provider to each recipient (one line with
    two heads when data goes both ways for the same purposes), labelled with the numbers
    of the purposes in the legend. Drawn on the server as SVG geometry, no script."""
    width, height, node_height = 960, 700, 34
    codes = sorted({flow.provider for flow in flows} | {flow.recipient for flow in flows})
    purposes_used = sorted({flow.purpose for flow in flows}, key=lambda code: purpose_names.get(code, code))
    number = {code: index for index, code in enumerate(purposes_used, start=1)}
    legend = [(number[code], purpose_names.get(code, code)) for code in purposes_used]
    centre_x, centre_y, radius = width / 2, height / 2, min(width, height) / 2 - 70
    nodes: dict[str, Node] = {}
    for index, code in enumerate(codes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(codes), 1)
        x, y = (centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle)) if len(codes) > 1 else (
            centre_x, centre_y)
        nodes[code] = Node(code, names.get(code, code), round(x, 1), round(y, 1), max(64, 12 * len(code) + 28))
    given: dict[tuple[str, str], set[str]] = defaultdict(set)
    for flow in flows:
        given[(flow.provider, flow.recipient)].add(flow.purpose)
    edges: list[Edge] = []
    placed: list[tuple[float, float, float, float]] = [
        (node.x - node.width / 2, node.y - node_height / 2, node.x + node.width / 2, node.y + node_height / 2)
        for node in nodes.values()
    ]
    done: set[tuple[str, str]] = set()
    for (provider, recipient), wanted in sorted(given.items()):
        if (provider, recipient) in done:
            continue
        back = given.get((recipient, provider))
        done.update({(provider, recipient), (recipient, provider)})
        if back is None or back == wanted:
            pairs = [(provider, recipient, wanted, 0.0, back is not None)]
        else:  # different purposes each way: two arrows side by side
            pairs = [(provider, recipient, wanted, 5.0, False), (recipient, provider, back, 5.0, False)]
        for source, target, purposes_, offset, both in pairs:
            edges.append(_edge(nodes[source], nodes[target], purposes_, number, names, purpose_names, both, offset,
                               node_height, placed))
    return FlowMap(width, height, list(nodes.values()), edges, legend, node_height)


def _edge(start: Node, end: Node, wanted: set[str], number: dict[str, int], names: dict[str, str],
          purpose_names: dict[str, str], both: bool, offset: float, node_height: int,
          placed: list[tuple[float, float, float, float]]) -> Edge:
    dx, dy = end.x - start.x, end.y - start.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = -uy * offset, ux * offset  # a pair of opposite arrows sits side by side

    def clip(node: Node, sign: float) -> tuple[float, float]:
        """Where the line meets the node's box, plus a gap for the arrowhead."""
        half_w, half_h = node.width / 2 + 4, node_height / 2 + 4
        scale = min(half_w / abs(ux) if ux else math.inf, half_h / abs(uy) if uy else math.inf)
        return node.x + sign * ux * scale + nx, node.y + sign * uy * scale + ny

    x1, y1 = clip(start, 1.0)
    x2, y2 = clip(end, -1.0)
    label = " ".join(str(number[code]) for code in sorted(wanted, key=number.get))
    label_width = 8 * len(label) + 10
    best = None
    for share in (0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.45, 0.55):
        x, y = x1 + (x2 - x1) * share + nx, y1 + (y2 - y1) * share + ny
        box = (x - label_width / 2, y - 9, x + label_width / 2, y + 9)
        if not any(box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
                   for other in placed):
            best = (x, y, box)
            break
    if best is None:
        x, y = x1 + (x2 - x1) / 2 + nx, y1 + (y2 - y1) / 2 + ny
        best = (x, y, (x - label_width / 2, y - 9, x + label_width / 2, y + 9))
    placed.append(best[2])
    words = ", ".join(purpose_names.get(code, code) for code in sorted(wanted, key=number.get))
    giver, taker = names.get(start.code, start.code), names.get(end.code, end.code)
    title = (f"{giver} and {taker} share with each other for: {words}" if both
             else f"{giver} gives {taker} data for: {words}")
    return Edge(start.code, end.code, round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1), both, label,
                round(best[0], 1), round(best[1], 1), label_width, title)


@router.get("/sharing/map")
def flow_map_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, purpose: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.map.view")
    with app.transaction() as session:
        flows = data_flows(session)
        names = organisation_names(session)
        purposes = purpose_names(session)
        categories = category_names(session)
        titles = agreement_titles(session)
    choices = sorted({flow.purpose for flow in flows}, key=lambda code: purposes.get(code, code))
    chosen = purpose if purpose in choices else ""
    shown = [flow for flow in flows if not chosen or flow.purpose == chosen]
    return render(request, "sharing/map.html", {
        **base("map"), "map": flow_map(shown, names, purposes), "flows": shown, "names": names,
        "purpose_names": purposes, "category_names": categories, "choices": choices, "chosen": chosen,
        "titles": titles,
    })
