"""Labeler pages. For now the home page; the work queue and record pages come next."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from feedback.selectors import datasets_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/home.html", {"datasets": datasets_for_user(request.user)})
