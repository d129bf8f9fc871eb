"""URLs of the delivery API, under /api/v1/delivery/."""

from django.urls import path

from . import views

urlpatterns = [
    path("serviceability/", views.ServiceabilityApi.as_view(), name="delivery-serviceability"),
    path("slots/", views.SlotListApi.as_view(), name="delivery-slots"),
    path("track/<str:code>/", views.TrackingApi.as_view(), name="delivery-track"),
    path("riders/me/", views.RiderMeApi.as_view(), name="delivery-rider-me"),
    path("shipments/", views.ShipmentListApi.as_view(), name="delivery-shipments"),
    path("shipments/<uuid:pk>/", views.ShipmentDetailApi.as_view(), name="delivery-shipment"),
    path("shipments/<uuid:pk>/pick/", views.ShipmentPickApi.as_view(), name="delivery-shipment-pick"),
    path("shipments/<uuid:pk>/pack/", views.ShipmentPackApi.as_view(), name="delivery-shipment-pack"),
    path("shipments/<uuid:pk>/assign/", views.ShipmentAssignApi.as_view(), name="delivery-shipment-assign"),
    path("shipments/<uuid:pk>/dispatch/", views.ShipmentDispatchApi.as_view(), name="delivery-shipment-dispatch"),
    path("shipments/<uuid:pk>/deliver/", views.ShipmentDeliverApi.as_view(), name="delivery-shipment-deliver"),
    path("shipments/<uuid:pk>/fail/", views.ShipmentFailApi.as_view(), name="delivery-shipment-fail"),
    path("shipments/<uuid:pk>/return/", views.ShipmentReturnApi.as_view(), name="delivery-shipment-return"),
]
