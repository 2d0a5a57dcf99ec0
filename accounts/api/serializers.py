from __future__ import annotations

from rest_framework import serializers

from accounts.models import Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    """The directory: only what every partner may know about another."""

    country = serializers.CharField(source="country.code", allow_null=True)

    class Meta:
        model = Organisation
        fields = ["slug", "name", "short_name", "country", "kind", "partner_group", "region"]


class MeSerializer(serializers.Serializer):
    organisation = OrganisationSerializer()
    kind = serializers.ChoiceField(choices=["token", "person"])
    scopes = serializers.ListField(child=serializers.CharField())
    token_name = serializers.CharField(allow_null=True)
    token_expires_at = serializers.DateTimeField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    is_moderator = serializers.BooleanField()
