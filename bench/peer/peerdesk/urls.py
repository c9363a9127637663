from django.urls import include, path

# helpdesk's own URLconf adds /api/ (tickets, followups, ...) when HELPDESK_API_ENABLED.
urlpatterns = [path("", include("helpdesk.urls"))]
