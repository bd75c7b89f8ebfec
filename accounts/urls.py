from django.urls import path

from accounts import views

urlpatterns = [
    path("api-keys/", views.api_keys, name="account_api_keys"),
    path("api-keys/<uuid:key_id>/revoke", views.api_key_revoke_view, name="account_api_key_revoke"),
]
