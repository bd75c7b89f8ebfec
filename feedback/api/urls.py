"""/api/v1: the Argilla v1 wire format, and Feedloop's own endpoints in the same style.

No trailing slashes, and ids are matched as strings so that a malformed id is a clear
422 rather than an unmatched route.
"""

from django.urls import path

from feedback.api import views_datasets as datasets
from feedback.api import views_exports as exports
from feedback.api import views_imports as imports
from feedback.api import views_people as people
from feedback.api import views_records as records
from feedback.api import views_webhooks as webhooks

urlpatterns = [
    path("me", people.me),
    path("me/workspaces", people.me_workspaces),
    path("me/api-keys", people.me_api_keys),
    path("me/api-keys/<str:key_id>", people.me_api_key_detail),
    path("workspaces", people.workspaces),
    path("workspaces/<str:workspace_id>", people.workspace_detail),
    path("workspaces/<str:workspace_id>/users", people.workspace_users),
    path("workspaces/<str:workspace_id>/users/<str:user_id>", people.workspace_user_detail),
    path("users", people.users),
    path("users/<str:user_id>", people.user_detail),
    path("users/<str:user_id>/workspaces", people.user_workspaces),
    path("me/datasets", datasets.me_datasets),
    path("me/datasets/<str:dataset_id>/metadata-properties", datasets.me_dataset_metadata_properties),
    path("me/datasets/<str:dataset_id>/records/next", records.me_dataset_next_record),
    path("datasets", datasets.datasets),
    path("datasets/<str:dataset_id>", datasets.dataset_detail),
    path("datasets/<str:dataset_id>/publish", datasets.dataset_publish),
    path("datasets/<str:dataset_id>/progress", datasets.dataset_progress),
    path("datasets/<str:dataset_id>/metrics", datasets.dataset_metrics),
    path("datasets/<str:dataset_id>/leaderboard", datasets.dataset_leaderboard),
    path("datasets/<str:dataset_id>/leaderboard.csv", datasets.dataset_leaderboard_csv),
    path("datasets/<str:dataset_id>/users/progress", datasets.dataset_users_progress),
    path("datasets/<str:dataset_id>/fields", datasets.dataset_fields),
    path("datasets/<str:dataset_id>/questions", datasets.dataset_questions),
    path("datasets/<str:dataset_id>/metadata-properties", datasets.dataset_metadata_properties),
    path("datasets/<str:dataset_id>/vectors-settings", datasets.dataset_vectors_settings),
    path("fields/<str:field_id>", datasets.field_detail),
    path("questions/<str:question_id>", datasets.question_detail),
    path("metadata-properties/<str:prop_id>", datasets.metadata_property_detail),
    path("vectors-settings/<str:settings_id>", datasets.vector_settings_detail),
    path("datasets/<str:dataset_id>/records", records.dataset_records),
    path("datasets/<str:dataset_id>/records/bulk", records.dataset_records_bulk),
    path("datasets/<str:dataset_id>/records/search", records.dataset_records_search),
    path("records/<str:record_id>", records.record_detail),
    path("records/<str:record_id>/responses", records.record_responses),
    path("records/<str:record_id>/suggestions", records.record_suggestions),
    path("records/<str:record_id>/gold", records.record_gold),
    path("suggestions/<str:suggestion_id>", records.suggestion_detail),
    path("responses/<str:response_id>", records.response_detail),
    path("me/responses/bulk", records.me_responses_bulk),
    path("datasets/<str:dataset_id>/exports", exports.dataset_exports),
    path("exports/<str:export_id>", exports.export_detail),
    path("exports/<str:export_id>/file", exports.export_file),
    path("datasets/<str:dataset_id>/imports", imports.dataset_imports),
    path("imports/<str:import_id>", imports.import_detail),
    path("webhooks", webhooks.webhooks),
    path("webhooks/<str:webhook_id>", webhooks.webhook_detail),
    path("webhooks/<str:webhook_id>/ping", webhooks.webhook_ping),
    path("version", records.version),
    path("status", records.status_view),
]
