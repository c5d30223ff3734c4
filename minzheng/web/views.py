from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from minzheng.registry.selectors import AGE_BAND_COUNT, AGE_BAND_YEARS, population_stats


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Population by town, the age pyramid, and the shares aged 60+ and 80+ by town."""
    stats = population_stats(user=request.user, as_of=timezone.localdate())
    bands = [
        f"{index * AGE_BAND_YEARS}-{index * AGE_BAND_YEARS + AGE_BAND_YEARS - 1}"
        for index in range(AGE_BAND_COUNT - 1)
    ] + [f"{(AGE_BAND_COUNT - 1) * AGE_BAND_YEARS}+"]
    chart_data = {
        "towns": [town.name for town in stats.towns],
        "population": [town.population for town in stats.towns],
        "share60": [round(town.share_60_plus * 100, 1) for town in stats.towns],
        "share80": [round(town.share_80_plus * 100, 1) for town in stats.towns],
        "bands": bands,
        "male": [-male for male, _ in stats.pyramid],
        "female": [female for _, female in stats.pyramid],
        "labels": {
            "population": gettext("人口"),
            "male": gettext("男"),
            "female": gettext("女"),
            "aged60": gettext("60岁及以上"),
            "aged80": gettext("80岁及以上"),
        },
    }
    population = stats.population
    return render(
        request,
        "web/dashboard.html",
        {
            "stats": stats,
            "chart_data": chart_data,
            "share_60": stats.aged_60_plus / population * 100 if population else 0,
            "share_80": stats.aged_80_plus / population * 100 if population else 0,
        },
    )
