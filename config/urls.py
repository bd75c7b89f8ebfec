from django.contrib import admin
from django.urls import include, path

from feedback import views

admin.site.site_header = "Feedloop administration"
admin.site.site_title = "Feedloop"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("api/v1/", include("feedback.api.urls")),
]
