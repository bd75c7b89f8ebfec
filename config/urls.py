from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import admin_login
from config.errors import api_not_found
from feedback import views

# The admin's own login has no throttling: send it through allauth's rate-limited one
# (and a signed-in labeler who is not staff to the site's 403 page).
admin.site.login = admin_login(admin.site.login)
admin.site.site_header = "Feedloop administration"
admin.site.site_title = "Feedloop"
# The app list beside every page took a quarter of a 1280 px window from the lists and the
# dataset page; the index and the breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False

# Errors outside the views' own rules: JSON under /api/, and a 503 when the database
# or the broker cannot be reached (config.errors).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/<uuid:dataset_id>/next", views.dataset_next, name="dataset_next"),
    path("datasets/<uuid:dataset_id>/done", views.dataset_done, name="dataset_done"),
    path("datasets/<uuid:dataset_id>/write", views.record_write, name="record_write"),
    path("datasets/<uuid:dataset_id>/records", views.dataset_browse, name="dataset_browse"),
    path("datasets/<uuid:dataset_id>/records/<uuid:record_id>", views.record_page, name="record_page"),
    path("datasets/<uuid:dataset_id>/records/<uuid:record_id>/restore", views.record_restore, name="record_restore"),
    path("datasets/<uuid:dataset_id>/review/", views.review_queue, name="review_queue"),
    path("datasets/<uuid:dataset_id>/review/<uuid:record_id>/", views.review_page, name="review_page"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the icon (its
    # URL looked up per request, since the hashed name exists only after collectstatic).
    path("favicon.ico", RedirectView.as_view(url=lazy(static_url, str)("feedloop/favicon.svg"), permanent=True)),
    path("workspaces/<uuid:workspace_id>/", views.workspace_overview, name="workspace_overview"),
    path("datasets/<uuid:dataset_id>/dashboard/", views.dataset_dashboard, name="dataset_dashboard"),
    path(
        "datasets/<uuid:dataset_id>/dashboard/refresh",
        views.dataset_dashboard_refresh,
        name="dataset_dashboard_refresh",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("api/v1/", include("feedback.api.urls")),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script served apart (/api/docs?script=) and its styles in static files: no inline
    # code under the Content-Security-Policy.
    path(
        "api/docs",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    # Anything else under /api/ is a JSON 404, with DEBUG on too.
    re_path(r"^api/", api_not_found),
]
