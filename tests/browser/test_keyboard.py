"""The core flows with the keyboard alone, on the demo (`seed_demo`): no click, no
fill — only Tab, Shift+Tab, Enter, Space, digits and typed text after the first page
is opened — and the focus visible at every stop (an outline or a shadow drawn by
:focus-visible)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from feedback.models import Dataset, Record, Response, ResponseStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "keyboard-password-1"
# What has the focus, whether it shows, and the contrast of its outline with what is
# around it (the nearest opaque background of its parent, where an offset outline is
# drawn). The test reads the page, it never acts on it.
FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return null; }
  const style = getComputedStyle(element);
  const rgb = color => (color.match(/[\\d.]+/g) || []).map(Number);
  const luminance = color => {
    const [r, g, b] = rgb(color).slice(0, 3).map(v => v / 255)
      .map(v => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let around = "rgb(255, 255, 255)";
  for (let node = element.parentElement; node; node = node.parentElement) {
    const background = getComputedStyle(node).backgroundColor;
    const alpha = rgb(background)[3];
    if (alpha === undefined || alpha === 1) { around = background; break; }
  }
  const [lighter, darker] = [luminance(style.outlineColor), luminance(around)].sort((a, b) => b - a);
  return {
    describe: element.tagName.toLowerCase() + (element.name ? `[name=${element.name}]` : "") +
      (element.value && element.type !== "textarea" ? `[value=${element.value}]` : "") +
      ` "${(element.innerText || "").trim().slice(0, 40)}"`,
    focusVisible: element.matches(":focus-visible"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    contrast: (lighter + 0.05) / (darker + 0.05),
  };
}"""
MAX_TABS = 80


def assert_focus_shows(page: Page) -> str:
    focus = page.evaluate(FOCUS)
    assert focus is not None, "the focus is lost (on the body)"
    assert focus["focusVisible"] and (focus["outline"] or focus["shadow"]), f"no visible focus on {focus['describe']}"
    if focus["outline"]:  # WCAG 1.4.11: an indicator stands out at 3:1 from what surrounds it
        assert focus["contrast"] >= 3, f"focus outline on {focus['describe']} has contrast {focus['contrast']:.2f}"
    return focus["describe"]


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    assert_focus_shows(page)


def tab_to(page: Page, selector: str, key: str = "Tab") -> None:
    """Tab (or Shift+Tab) until the element matching `selector` has the focus, checking
    at every stop on the way that the focus shows."""
    passed = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        passed.append(assert_focus_shows(page))
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} not reached by {key}; passed {passed}")


def log_in_by_keyboard(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, 'input[name="login"]')
    page.keyboard.type("ana")
    tab_to(page, 'input[name="password"]')
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    return live_server


def test_write_a_demonstration_with_the_keyboard_only(page: Page, demo):
    dataset = Dataset.objects.get(name="prompt-writing-and-rating")
    assert dataset.allow_labeler_records
    before = set(Record.objects.filter(dataset=dataset).values_list("pk", flat=True))
    log_in_by_keyboard(page, demo.url)
    tab_to(page, f'a[href="/datasets/{dataset.pk}/write"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Write a new record for {dataset.name}")).to_be_visible()
    tab_to(page, 'textarea[name="field.prompt"]')
    page.keyboard.type("Plan a three-day trip to Lisbon without a car.")
    tab_to(page, 'textarea[name="field.context"]')
    page.keyboard.type("Travel assistant")
    tab_to(page, 'input[name="clarity"]')
    press(page, "4")  # the rating's fourth option, in the focused question
    tab_to(page, 'input[name="relevance"]')
    press(page, "5")
    tab_to(page, 'textarea[name="comment"]')
    page.keyboard.type("Clear and specific.")
    # Back up to change the clarity: Shift+Tab leaves the text, a digit picks again.
    tab_to(page, 'input[name="clarity"]', key="Shift+Tab")
    press(page, "3")
    tab_to(page, 'button[value="submit"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_be_visible()

    (written,) = Record.objects.filter(dataset=dataset).exclude(pk__in=before)
    assert written.fields == {"prompt": "Plan a three-day trip to Lisbon without a car.", "context": "Travel assistant"}
    response = Response.objects.get(record=written)
    assert response.user.username == "ana"
    assert response.status == ResponseStatus.SUBMITTED
    assert response.values == {
        "clarity": {"value": 3},
        "relevance": {"value": 5},
        "comment": {"value": "Clear and specific."},
    }


def test_rate_an_evaluation_with_the_keyboard_only(page: Page, demo):
    dataset = Dataset.objects.get(name="internal-evaluation")
    ana = get_user_model().objects.get(username="ana")
    log_in_by_keyboard(page, demo.url)
    tab_to(page, f'a[href="/datasets/{dataset.pk}/next"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo.url}/datasets/{dataset.pk}/records/*")
    record_id = page.url.rstrip("/").rsplit("/", 1)[1]
    tab_to(page, 'input[name="quality"]')
    press(page, "6")  # replaces the judge's suggested rating
    tab_to(page, 'input[name="failures"][value="unhelpful"]')
    press(page, "Space")
    tab_to(page, 'input[name="failures"][value="formatting"]')
    press(page, "Space")
    press(page, "Space")  # and off again
    tab_to(page, 'textarea[name="comment"]')
    page.keyboard.type("Correct but terse.")
    tab_to(page, 'button[value="submit"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("submitted")

    response = Response.objects.get(record_id=record_id, user=ana)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.values == {
        "quality": {"value": 6},
        "failures": {"value": ["unhelpful"]},
        "comment": {"value": "Correct but terse."},
    }


def test_choose_the_better_of_two_responses_with_the_keyboard_only(page: Page, demo):
    dataset = Dataset.objects.get(name="pairwise-preference")
    ana = get_user_model().objects.get(username="ana")
    log_in_by_keyboard(page, demo.url)
    tab_to(page, f'a[href="/datasets/{dataset.pk}/next"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo.url}/datasets/{dataset.pk}/records/*")
    record_id = page.url.rstrip("/").rsplit("/", 1)[1]
    tab_to(page, 'input[name="preference"]')
    press(page, "3")  # the third choice: "Response B is better"
    expect(page.get_by_role("radio", name="Response B is better")).to_be_checked()
    tab_to(page, 'textarea[name="why"]')
    page.keyboard.type("B explains the fix; A would open the server to everyone.")
    tab_to(page, 'button[value="submit"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("submitted")

    response = Response.objects.get(record_id=record_id, user=ana)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.values == {
        "preference": {"value": [{"value": "response-b", "rank": 1}, {"value": "response-a", "rank": 2}]},
        "why": {"value": "B explains the fix; A would open the server to everyone."},
    }
