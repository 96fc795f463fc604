# The one image behind web, worker and beat in docker-compose.yml.

# Browser assets: GOV.UK Frontend compiled with Sass (scripts/build-assets). Node stays in this stage only.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build-assets scripts/build-assets
COPY static/src static/src
RUN scripts/build-assets

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.production

RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libpq-dev postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /app/static/dist static/dist
# collectstatic needs a key only to import settings; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input

RUN useradd --system --uid 1000 hub && chown -R hub /app
USER hub
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
