"""API of the dispatch app: the recommendation for one order and the console's 退单率."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.common.api import ERROR_RESPONSES, date_param
from jiesu.common.errors import InvalidInput
from jiesu.dispatch import selectors, services
from jiesu.workorders.selectors import get_order


class RecommendationView(APIView):
    @extend_schema(
        summary="派单推荐：类别、七有/五性、街镇/网格、主办单位前三及理由、疑似重复件",
        request=None,
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def post(self, request, order_id: int):
        # Visibility first: another unit's order is "not found".
        get_order(user=request.user, order_id=order_id)
        return Response(services.recommend_for_user(user=request.user, order_id=order_id))


class ReturnRatesView(APIView):
    @extend_schema(
        summary="各类别退单率（派单控制台）",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("level", OpenApiTypes.INT, enum=[1, 2, 3], description="类别层级，1–3，默认1"),
        ],
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def get(self, request):
        level = request.query_params.get("level") or "1"
        if level not in ("1", "2", "3"):
            raise InvalidInput("参数 level 只能是 1、2 或 3", code="invalid_parameter")
        rows = selectors.return_rate_by_category(
            since=date_param(request.query_params.get("since"), name="since"),
            until=date_param(request.query_params.get("until"), name="until"),
            level=int(level),
        )
        return Response({"results": rows})
