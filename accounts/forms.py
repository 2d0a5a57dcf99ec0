from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import User


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.MEMBER)


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Repeat the password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        validate_password(password, User(email=self.email))
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=User.Role.choices)


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "wants_optional_email"]
        labels = {"wants_optional_email": "Send me non-essential e-mail"}
